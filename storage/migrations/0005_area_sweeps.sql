-- Area days (planning.areas): each fraction's containers in compact areas with fixed weekdays,
-- swept once or twice a week; 0 keeps them off (the default).
ALTER TABLE selection_policies
    ADD COLUMN area_sweeps_per_week smallint NOT NULL DEFAULT 0
        CHECK (area_sweeps_per_week IN (0, 1, 2));
