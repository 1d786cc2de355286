//! Photo blob storage. For now the local photo folder under the data
//! directory; the object-store backends arrive with the photo pipeline.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct PhotoStore {
    root: PathBuf,
}

impl PhotoStore {
    /// Opens (and creates) the folder.
    pub fn local(root: &Path) -> anyhow::Result<PhotoStore> {
        std::fs::create_dir_all(root)
            .map_err(|e| anyhow::anyhow!("cannot create photo folder {}: {e}", root.display()))?;
        Ok(PhotoStore {
            root: root.to_path_buf(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Writes, reads back and removes a probe file.
    pub fn check(&self) -> Result<(), String> {
        let probe = self.root.join(format!(".ready-{}", uuid::Uuid::new_v4()));
        std::fs::write(&probe, b"ok").map_err(|e| format!("photo store not writable: {e}"))?;
        let back = std::fs::read(&probe).map_err(|e| format!("photo store not readable: {e}"));
        let _ = std::fs::remove_file(&probe);
        match back? {
            b if b == b"ok" => Ok(()),
            _ => Err("photo store returned different bytes".into()),
        }
    }
}
