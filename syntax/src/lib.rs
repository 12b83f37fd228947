//! Dockerfile syntax: parser, directives, heredocs, shell-word expansion. Knows nothing of LLB.
