//! Dockerfile → LLB conversion and the BuildKit gateway client.
