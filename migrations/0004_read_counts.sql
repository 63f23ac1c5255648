CREATE TABLE "read_counts" (
	"bucket_start" bigint NOT NULL,
	"key" text NOT NULL,
	"count" bigint NOT NULL,
	CONSTRAINT "read_counts_bucket_start_key_pk" PRIMARY KEY("bucket_start","key")
);
