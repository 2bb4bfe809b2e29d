//! The published catalog as the pages see it: summaries and reference data in memory,
//! guides cached by code, the search index. Reloaded when the catalog revision changes.

use onetrip_domain::catalog::file::LifeEvent;
use onetrip_domain::clock::Clock;
use onetrip_domain::department::{Department, ServicePlace};
use onetrip_domain::{Division, DivisionKind};
use onetrip_search::{SearchDoc, SearchIndex, Synonyms};
use onetrip_store::{ImplementationSummary, PublishedImplementation, SharedStore, StoreError};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};

/// How the view finds its search index and keeps fresh, from the configuration.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Where the search index lives (rebuilt when the catalog changes).
    pub search_dir: Option<std::path::PathBuf>,
    /// The synonym list's text.
    pub synonyms: String,
    /// How often to look for catalog changes made by other processes.
    pub refresh_every: std::time::Duration,
}

/// Guides kept in memory at most.
const GUIDE_CACHE: usize = 512;

/// One consistent snapshot of the published catalog.
pub struct CatalogView {
    pub revision: i64,
    /// The day whose versions the view holds (versions come into force at midnight).
    pub day: chrono::NaiveDate,
    pub summaries: Vec<ImplementationSummary>,
    pub by_code: HashMap<String, usize>,
    /// Implementations of each base matter, by base code.
    pub by_base: BTreeMap<String, Vec<usize>>,
    pub departments: BTreeMap<String, Department>,
    pub divisions: BTreeMap<String, Division>,
    pub places: BTreeMap<String, ServicePlace>,
    pub life_events: Vec<LifeEvent>,
}

impl CatalogView {
    pub fn summary(&self, code: &str) -> Option<&ImplementationSummary> {
        self.by_code.get(code).and_then(|i| self.summaries.get(*i))
    }

    pub fn implementations_of(&self, base: &str) -> Vec<&ImplementationSummary> {
        self.by_base
            .get(base)
            .map(|v| v.iter().filter_map(|i| self.summaries.get(*i)).collect())
            .unwrap_or_default()
    }

    pub fn division_name(&self, code: &str) -> String {
        self.divisions
            .get(code)
            .map_or_else(|| code.to_string(), |d| d.name.clone())
    }

    pub fn department_name(&self, code: &str) -> String {
        self.departments
            .get(code)
            .map_or_else(|| code.to_string(), |d| d.name.clone())
    }

    pub fn is_township(&self, code: &str) -> bool {
        self.divisions
            .get(code)
            .is_some_and(|d| d.kind == DivisionKind::Township)
    }

    /// Whether `code` is `ancestor` or lies below it.
    pub fn within(&self, code: &str, ancestor: &str) -> bool {
        onetrip_domain::division::is_within(code, ancestor, &self.divisions)
    }
}

struct Inner {
    view: RwLock<Arc<CatalogView>>,
    search: RwLock<Option<Arc<SearchIndex>>>,
    guides: Mutex<HashMap<String, Arc<PublishedImplementation>>>,
}

/// Shared access to the current view, guide cache and search index.
#[derive(Clone)]
pub struct ViewHandle {
    inner: Arc<Inner>,
    store: SharedStore,
    clock: Arc<dyn Clock>,
    config: Arc<WebConfig>,
}

async fn load_view(store: &SharedStore, clock: &Arc<dyn Clock>) -> Result<CatalogView, StoreError> {
    let revision = store.catalog_revision().await?;
    let day = clock.today();
    let summaries = store.implementation_summaries(day).await?;
    let mut by_code = HashMap::with_capacity(summaries.len());
    let mut by_base: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, s) in summaries.iter().enumerate() {
        by_code.insert(s.code.clone(), i);
        by_base.entry(s.base_code.clone()).or_default().push(i);
    }
    Ok(CatalogView {
        revision,
        day,
        by_code,
        by_base,
        summaries,
        departments: store
            .departments()
            .await?
            .into_iter()
            .map(|d| (d.code.to_string(), d))
            .collect(),
        divisions: store
            .divisions()
            .await?
            .into_iter()
            .map(|d| (d.code.to_string(), d))
            .collect(),
        places: store
            .places()
            .await?
            .into_iter()
            .map(|p| (p.code.clone(), p))
            .collect(),
        life_events: store.life_events().await?,
    })
}

fn search_docs(view: &CatalogView) -> Vec<SearchDoc> {
    view.summaries
        .iter()
        .map(|s| SearchDoc {
            implementation_code: s.code.clone(),
            base_code: s.base_code.clone(),
            name: s.name.clone(),
            keywords: s.keywords.clone(),
            summary: s.summary.clone(),
            materials: s.materials.clone(),
        })
        .collect()
}

impl ViewHandle {
    pub async fn load(
        store: SharedStore,
        clock: Arc<dyn Clock>,
        config: Arc<WebConfig>,
    ) -> Result<ViewHandle, StoreError> {
        let view = Arc::new(load_view(&store, &clock).await?);
        let handle = ViewHandle {
            inner: Arc::new(Inner {
                view: RwLock::new(view.clone()),
                search: RwLock::new(None),
                guides: Mutex::new(HashMap::new()),
            }),
            store,
            clock,
            config,
        };
        handle.rebuild_search(view);
        Ok(handle)
    }

    /// The current snapshot.
    pub fn get(&self) -> Arc<CatalogView> {
        match self.inner.view.read() {
            Ok(v) => v.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The search index, once built.
    pub fn search(&self) -> Option<Arc<SearchIndex>> {
        self.inner.search.read().ok().and_then(|s| s.clone())
    }

    /// Waits up to `wait` for the search index.
    pub async fn search_within(&self, wait: std::time::Duration) -> Option<Arc<SearchIndex>> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(s) = self.search() {
                return Some(s);
            }
            if tokio::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// The guide of an implementation in force today (cached).
    pub async fn guide(
        &self,
        code: &str,
    ) -> Result<Option<Arc<PublishedImplementation>>, StoreError> {
        if let Some(g) = self
            .inner
            .guides
            .lock()
            .ok()
            .and_then(|g| g.get(code).cloned())
        {
            return Ok(Some(g));
        }
        let Some(found) = self.store.implementation(code, self.clock.today()).await? else {
            return Ok(None);
        };
        let found = Arc::new(found);
        if let Ok(mut guides) = self.inner.guides.lock() {
            if guides.len() >= GUIDE_CACHE {
                // Evict one arbitrary entry: the cache stays warm without bookkeeping.
                if let Some(victim) = guides.keys().next().cloned() {
                    guides.remove(&victim);
                }
            }
            guides.insert(code.to_string(), found.clone());
        }
        Ok(Some(found))
    }

    fn rebuild_search(&self, view: Arc<CatalogView>) {
        let inner = self.inner.clone();
        let config = self.config.clone();
        tokio::task::spawn_blocking(move || {
            let synonyms = match Synonyms::parse(&config.synonyms) {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "synonym list does not parse; searching without it");
                    Synonyms::default()
                }
            };
            let docs = search_docs(&view);
            let built = match &config.search_dir {
                Some(dir) => SearchIndex::open_or_build(
                    dir,
                    &format!("{}:{}", view.revision, view.day),
                    &docs,
                    synonyms,
                ),
                None => SearchIndex::in_memory(&docs, synonyms),
            };
            match built {
                Ok(index) => {
                    if let Ok(mut slot) = inner.search.write() {
                        *slot = Some(Arc::new(index));
                    }
                }
                Err(e) => tracing::error!(error = %e, "cannot build the search index"),
            }
        });
    }

    /// Reloads everything if the catalog changed or a new day began.
    pub async fn refresh(&self) -> Result<bool, StoreError> {
        let revision = self.store.catalog_revision().await?;
        let current = self.get();
        if revision == current.revision && self.clock.today() == current.day {
            return Ok(false);
        }
        let view = Arc::new(load_view(&self.store, &self.clock).await?);
        if let Ok(mut slot) = self.inner.view.write() {
            *slot = view.clone();
        }
        if let Ok(mut guides) = self.inner.guides.lock() {
            guides.clear();
        }
        self.rebuild_search(view);
        tracing::info!(revision, "catalog reloaded");
        Ok(true)
    }

    /// Looks for catalog changes every `refresh_every`.
    pub fn spawn_refresh(&self) {
        let handle = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(handle.config.refresh_every);
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(e) = handle.refresh().await {
                    tracing::warn!(error = %e, "catalog refresh failed");
                }
            }
        });
    }
}
