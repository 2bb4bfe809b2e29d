//! What every handler shares: the store, the catalog view, the search index, the clock.

use crate::view::ViewHandle;
use chrono::{DateTime, Utc};
use onetrip_domain::clock::Clock;
use onetrip_store::SharedStore;
use std::path::PathBuf;
use std::sync::Arc;

/// Web settings from the configuration.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Where the search index lives (rebuilt when the catalog changes).
    pub search_dir: Option<PathBuf>,
    /// The synonym list's text.
    pub synonyms: String,
    /// How often to look for catalog changes made by other processes.
    pub refresh_every: std::time::Duration,
}

/// The system clock.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: SharedStore,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<WebConfig>,
    pub security: Arc<crate::auth::Security>,
    pub(crate) view: ViewHandle,
}

impl AppState {
    /// Loads the catalog view and builds (or opens) the search index, then keeps both
    /// fresh in the background.
    pub async fn start(
        store: SharedStore,
        clock: Arc<dyn Clock>,
        config: WebConfig,
        security: Arc<crate::auth::Security>,
    ) -> Result<AppState, onetrip_store::StoreError> {
        let config = Arc::new(config);
        let view = ViewHandle::load(store.clone(), clock.clone(), config.clone()).await?;
        view.spawn_refresh();
        Ok(AppState {
            store,
            clock,
            config,
            security,
            view,
        })
    }

    /// Whether the search index is built and answering.
    pub fn search_ready(&self) -> bool {
        self.view.search().is_some()
    }
}
