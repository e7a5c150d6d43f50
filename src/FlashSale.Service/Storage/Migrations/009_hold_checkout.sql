-- A hold is extended by FlashSale:Holds:PaymentGrace at most once, when a checkout starts close to its end.
ALTER TABLE claims ADD COLUMN hold_extended boolean NOT NULL DEFAULT false;
