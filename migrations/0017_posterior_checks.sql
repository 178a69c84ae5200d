-- The gate's held-out checks now store the posterior probability that the lead qualifies
-- (Φ((mean − 0.5) / std), outlane_gp::Prediction::posterior) of a model that sees the current
-- title beside the profile, where they stored the clipped GP mean of a model that saw the
-- profile alone. The old numbers describe a different model on a different scale: they are
-- dropped, and the gate gathers its evidence again (until then the LLM decides).
UPDATE labels SET predicted_p = NULL WHERE predicted_p IS NOT NULL;
