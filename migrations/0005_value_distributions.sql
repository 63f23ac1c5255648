CREATE TABLE "value_distribution_bins" (
	"ref" text NOT NULL,
	"bucket_start" bigint NOT NULL,
	"bin" integer NOT NULL,
	"count" bigint NOT NULL,
	CONSTRAINT "value_distribution_bins_ref_bucket_start_bin_pk" PRIMARY KEY("ref","bucket_start","bin")
);
--> statement-breakpoint
CREATE TABLE "value_distributions" (
	"ref" text NOT NULL,
	"bucket_start" bigint NOT NULL,
	"count" bigint NOT NULL,
	"null_count" bigint NOT NULL,
	"integral_count" bigint NOT NULL,
	"min" double precision,
	"max" double precision,
	"sum" double precision NOT NULL,
	"sum_squares" double precision NOT NULL,
	CONSTRAINT "value_distributions_ref_bucket_start_pk" PRIMARY KEY("ref","bucket_start")
);
