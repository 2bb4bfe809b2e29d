//! What every handler shares: the use cases ([`App`]: store, clock, keys) and the catalog
//! view with its search index, behind one pointer (each layer and handler clones it).

use crate::catalog::view::{ViewHandle, WebConfig};
use onetrip_app::App;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// The shared parts.
pub struct Shared {
    pub app: App,
    pub config: Arc<WebConfig>,
    pub(crate) view: ViewHandle,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl std::ops::Deref for Shared {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}

impl AppState {
    /// Loads the catalog view and builds (or opens) the search index, then keeps both
    /// fresh in the background.
    pub async fn start(app: App, config: WebConfig) -> Result<AppState, onetrip_store::StoreError> {
        let config = Arc::new(config);
        let view = ViewHandle::load(app.store.clone(), app.clock.clone(), config.clone()).await?;
        view.spawn_refresh();
        Ok(AppState(Arc::new(Shared { app, config, view })))
    }

    /// Whether the search index is built and answering.
    pub fn search_ready(&self) -> bool {
        self.view.search().is_some()
    }
}
