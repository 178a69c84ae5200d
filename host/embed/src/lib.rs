//! Sentence embeddings for Outlane's qualifier: ONNX Runtime (ort, load-dynamic) + tokenizers, mean pooling, L2
