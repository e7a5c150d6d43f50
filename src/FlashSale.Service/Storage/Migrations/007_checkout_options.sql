-- How a sale's buyers pay (contract v2): 'immediate' (the claim carries its payment method and is charged at
-- once) or 'hold' (the claim reserves its units for hold_seconds and the buyer pays through checkout), and how
-- many charges one buyer may try.
ALTER TABLE sales
    ADD COLUMN checkout text NOT NULL DEFAULT 'immediate' CHECK (checkout IN ('immediate', 'hold')),
    ADD COLUMN hold_seconds integer NOT NULL DEFAULT 600 CHECK (hold_seconds BETWEEN 30 AND 3600),
    ADD COLUMN max_payment_attempts integer NOT NULL DEFAULT 3 CHECK (max_payment_attempts BETWEEN 1 AND 10);
