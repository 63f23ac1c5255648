CREATE TABLE "shadow_keys" (
	"ref" text NOT NULL,
	"entity_key" text NOT NULL,
	CONSTRAINT "shadow_keys_ref_entity_key_pk" PRIMARY KEY("ref","entity_key")
);
--> statement-breakpoint
CREATE TABLE "shadow_writes" (
	"ref" text PRIMARY KEY NOT NULL,
	"last_write_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "validation_reports" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"ref" text NOT NULL,
	"compared_with" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"passed" boolean NOT NULL,
	"sample_size" integer NOT NULL,
	"checks" jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "validation_reports_ref_idx" ON "validation_reports" USING btree ("ref","created_at");