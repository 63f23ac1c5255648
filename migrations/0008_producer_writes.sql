CREATE TABLE "producer_writes" (
	"producer" text NOT NULL,
	"feature" text NOT NULL,
	"version" integer NOT NULL,
	"last_written_at" timestamp with time zone NOT NULL,
	CONSTRAINT "producer_writes_producer_feature_version_pk" PRIMARY KEY("producer","feature","version")
);
