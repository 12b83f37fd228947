//! Image configs: the starting config of `FROM scratch` (upstream's `emptyImage`), parsing
//! a resolved base image's config, and the platform auto-detection for implicit targets.

use llb::state::Platform;
use llb::state::meta::default_path_env;

use super::error::{ConvertError, Result};
use crate::image::Image;

/// Upstream's `emptyImage`: platform fields, `WorkingDir=/`, `PATH` (not on Windows).
pub(crate) fn empty_image(platform: &Platform) -> Image {
    let mut img = Image {
        architecture: platform.architecture.clone(),
        os: platform.os.clone(),
        os_version: platform.os_version.clone(),
        os_features: platform.os_features.clone(),
        variant: platform.variant.clone(),
        ..Image::default()
    };
    img.config.working_dir = "/".to_string();
    if platform.os != "windows" {
        img.config.env = vec![["PATH=", default_path_env(&platform.os)].concat()];
    }
    img
}

/// A base image's config JSON.
pub(crate) fn parse_image_config(data: &[u8]) -> Result<Image> {
    serde_json::from_slice(data)
        .map_err(|e| ConvertError::msg(format!("failed to parse image config: {e}")))
}

/// The image's platform as an LLB platform.
pub(crate) fn image_platform(img: &Image) -> Platform {
    Platform {
        os: img.os.clone(),
        architecture: img.architecture.clone(),
        variant: img.variant.clone(),
        os_version: img.os_version.clone(),
        os_features: img.os_features.clone(),
    }
}

/// Upstream's `autoDetectPlatform`: the target, unless the image is for another platform
/// the worker supports.
pub(crate) fn auto_detect_platform(
    img: &Image,
    target: &Platform,
    supported: &[Platform],
) -> Platform {
    if target.os == img.os && target.architecture == img.architecture {
        return target.clone();
    }
    supported
        .iter()
        .find(|p| p.os == img.os && p.architecture == img.architecture)
        .cloned()
        .unwrap_or_else(|| target.clone())
}

/// No layers and no history entry with a layer: nothing to pull (upstream's `isScratch`).
pub(crate) fn is_scratch_image(img: &Image) -> bool {
    img.rootfs.diff_ids.is_empty() && img.history.iter().all(|h| h.empty_layer)
}
