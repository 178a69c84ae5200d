//! End-to-end tests of the host without a browser: the lane runtime with real WASM components,
//! the CRM on real SQLite (crash safety included), the LLM capability against the stub, and the
//! qualifier with the real ONNX model. One test binary (one link) for all of them.

mod crm_crash;
mod crm_lane;
mod http;
mod lane_host;
mod llm;
mod qualifier_eval;
mod qualifier_lane;
mod webhook;
