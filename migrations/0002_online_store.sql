CREATE TABLE "event_lag_counts" (
	"ref" text NOT NULL,
	"bucket_start" bigint NOT NULL,
	"bin" integer NOT NULL,
	"count" bigint NOT NULL,
	CONSTRAINT "event_lag_counts_ref_bucket_start_bin_pk" PRIMARY KEY("ref","bucket_start","bin")
);
--> statement-breakpoint
CREATE TABLE "online_values" (
	"entity" text NOT NULL,
	"entity_key" text NOT NULL,
	"ref" text NOT NULL,
	"value" text NOT NULL,
	"event_time" bigint NOT NULL,
	"ingest_time" bigint NOT NULL,
	CONSTRAINT "online_values_entity_entity_key_ref_pk" PRIMARY KEY("entity","entity_key","ref")
);
--> statement-breakpoint
ALTER TABLE "feature_versions" ADD COLUMN "nullable" boolean DEFAULT false NOT NULL;