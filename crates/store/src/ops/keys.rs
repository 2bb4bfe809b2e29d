//! [`KeyStore`]: wrapped data keys of the field encryption.

use crate::sql::{all, changed, Executor, Value};
use crate::store::{run, SqlStore};
use crate::{KeyStore, StoreError, StoredDataKey};
use async_trait::async_trait;

#[async_trait]
impl<E: Executor> KeyStore for SqlStore<E> {
    async fn data_keys(&self) -> Result<Vec<StoredDataKey>, StoreError> {
        run!(self.read, |c| {
            let sql = "SELECT id, master_id, wrapped, active FROM data_key ORDER BY created_at, id";
            all(c, sql, &[], |r| {
                Ok(StoredDataKey {
                    id: r.text("id")?,
                    master_id: r.text("master_id")?,
                    wrapped: r.bytes("wrapped")?,
                    active: r.bool("active")?,
                })
            })
            .await
        })
    }

    /// An active key replaces the previous active one for new values.
    async fn add_data_key(&self, key: StoredDataKey) -> Result<(), StoreError> {
        run!(self.write, |c| {
            if key.active {
                let sql = "UPDATE data_key SET active = FALSE WHERE active = TRUE";
                c.execute(sql, &[]).await?;
            }
            let sql = "INSERT INTO data_key (id, master_id, wrapped, active, created_at)
                VALUES ($1, $2, $3, $4, $5)";
            let args = [
                (&key.id).into(),
                (&key.master_id).into(),
                Value::Bytes(&key.wrapped),
                key.active.into(),
                chrono::Utc::now().into(),
            ];
            c.execute(sql, &args).await?;
            Ok(())
        })
    }

    async fn rewrap_data_keys(&self, keys: Vec<StoredDataKey>) -> Result<(), StoreError> {
        run!(self.write, |c| {
            let sql = "UPDATE data_key SET master_id = $1, wrapped = $2 WHERE id = $3";
            for k in &keys {
                let args = [
                    (&k.master_id).into(),
                    Value::Bytes(&k.wrapped),
                    (&k.id).into(),
                ];
                changed(c.execute(sql, &args).await?, "data key")?;
            }
            Ok(())
        })
    }
}
