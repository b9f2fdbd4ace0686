-- The risk rule (planning.horizon): per tenant and fraction, the probability of overflowing
-- before the next chance above which a container must be emptied, and what an overflow costs
-- in metres of driving (the optimizer's unit).
ALTER TABLE selection_policies
    ADD COLUMN risk_threshold double precision NOT NULL DEFAULT 0.01
        CHECK (risk_threshold > 0 AND risk_threshold < 1),
    ADD COLUMN overflow_cost_m integer NOT NULL DEFAULT 50000 CHECK (overflow_cost_m >= 0);
