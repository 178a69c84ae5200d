//! Gaussian-process active learner of Outlane's qualifier: PCA, scaler, GP regression, BALD, selection (pure nalgebra)
