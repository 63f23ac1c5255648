ALTER TABLE "value_distributions" ALTER COLUMN "sum" SET DATA TYPE numeric;--> statement-breakpoint
ALTER TABLE "value_distributions" ALTER COLUMN "sum_squares" SET DATA TYPE numeric;