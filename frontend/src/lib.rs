//! Dockerfile → LLB conversion and the BuildKit gateway client.

pub mod convert;
pub mod gateway;
pub mod image;
pub mod lint;
