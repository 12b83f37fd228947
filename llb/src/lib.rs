//! BuildKit LLB: protobuf types, State builder, deterministic marshal, dump views.
