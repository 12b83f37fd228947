//! Standalone LLB executor. Never imports `syntax` or `frontend`.
