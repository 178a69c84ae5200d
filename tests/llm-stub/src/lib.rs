//! An OpenAI-compatible LLM stub for Outlane's tests and demo, on 127.0.0.1
