//! Finding image files: paths and directories (recursive), in a deterministic order, and the
//! collection each image belongs to.
//!
//! Directories are walked recursively; inside a directory, files are taken when their
//! extension is a known image extension (case-insensitive: jpg, jpeg, png, gif, webp, bmp,
//! tif, tiff). Everything else found while walking is *counted* in
//! [`FileSet::skipped_non_images`] so a caller can say so; nothing is dropped silently. A file
//! named explicitly is always taken, whatever its extension (the format is detected from its
//! bytes). The result is sorted by path, so runs are reproducible.
//!
//! The **collection** of an image is the first path component below the directory it was
//! found in (its top-level subfolder); images directly inside the directory, and files
//! named explicitly, belong to the collection `"."`.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Extensions taken when walking a directory.
pub const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "gif", "webp", "bmp", "tif", "tiff"];

/// One image file found under the inputs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ImageFile {
    /// The path as found (input path joined with the relative path).
    pub path: PathBuf,
    /// The path relative to the input it was found under (the file name for explicit files).
    pub relative: PathBuf,
    /// The collection label (top-level subfolder, or `"."`).
    pub collection: String,
}

/// The files found under a set of inputs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSet {
    /// Image files, sorted by path, without duplicates.
    pub files: Vec<ImageFile>,
    /// Files found while walking directories that do not have an image extension.
    pub skipped_non_images: Vec<PathBuf>,
}

/// Whether `path` has one of [`IMAGE_EXTENSIONS`].
pub fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        .unwrap_or(false)
}

/// Collects the image files under `inputs` (files and directories).
///
/// ```
/// let set = hashscope::corpus::collect_images(&["fixtures/lossless"]).unwrap();
/// assert!(set.files.len() >= 40);
/// assert!(set.files.windows(2).all(|w| w[0].path < w[1].path));
/// ```
pub fn collect_images<P: AsRef<Path>>(inputs: &[P]) -> Result<FileSet> {
    let mut set = FileSet::default();
    for input in inputs {
        let input = input.as_ref();
        let meta = std::fs::metadata(input).map_err(|e| Error::io(e, input))?;
        if meta.is_dir() {
            walk(input, input, &mut set)?;
        } else {
            let relative = input.file_name().map(PathBuf::from).unwrap_or_default();
            set.files.push(ImageFile {
                path: input.to_path_buf(),
                relative,
                collection: ".".to_string(),
            });
        }
    }
    set.files.sort();
    set.files.dedup_by(|a, b| a.path == b.path);
    set.skipped_non_images.sort();
    Ok(set)
}

fn walk(root: &Path, start: &Path, set: &mut FileSet) -> Result<()> {
    let mut stack = vec![start.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(e, &dir))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(e, &dir))?;
            let path = entry.path();
            let ft = entry.file_type().map_err(|e| Error::io(e, &path))?;
            // Follow symlinks to files/dirs via metadata.
            let is_dir = if ft.is_symlink() {
                std::fs::metadata(&path).map(|m| m.is_dir()).unwrap_or(false)
            } else {
                ft.is_dir()
            };
            if is_dir {
                stack.push(path);
            } else if has_image_extension(&path) {
                let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
                let collection = if relative.components().count() > 1 {
                    relative
                        .components()
                        .next()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .unwrap_or_else(|| ".".to_string())
                } else {
                    ".".to_string()
                };
                set.files.push(ImageFile { path, relative, collection });
            } else {
                set.skipped_non_images.push(path);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_fixture_corpus_with_collections() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus");
        let set = collect_images(&[&root]).unwrap();
        assert!(set.files.len() > 300);
        assert!(set.files.iter().all(|f| f.collection != "."));
        let f = set.files.iter().find(|f| f.collection == "opencv-doc").unwrap();
        assert!(f.relative.starts_with("opencv-doc"));
    }

    #[test]
    fn explicit_file_is_taken_and_missing_is_error() {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/README.md");
        let set = collect_images(&[&p]).unwrap();
        assert_eq!(set.files.len(), 1);
        assert_eq!(set.files[0].collection, ".");
        assert!(collect_images(&["/nonexistent/dir"]).is_err());
    }
}
