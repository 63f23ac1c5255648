CREATE TABLE "api_keys" (
	"id" serial PRIMARY KEY NOT NULL,
	"key_hash" text NOT NULL,
	"team" text NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash"),
	CONSTRAINT "api_keys_role_check" CHECK ("api_keys"."role" in ('reader', 'producer', 'owner', 'admin'))
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"target" text NOT NULL,
	"before" jsonb,
	"after" jsonb
);
--> statement-breakpoint
CREATE TABLE "consumer_bindings" (
	"consumer" text NOT NULL,
	"feature" text NOT NULL,
	"version" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "consumer_bindings_consumer_feature_pk" PRIMARY KEY("consumer","feature")
);
--> statement-breakpoint
CREATE TABLE "consumers" (
	"name" text PRIMARY KEY NOT NULL,
	"owner" text NOT NULL,
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "entities" (
	"name" text PRIMARY KEY NOT NULL,
	"key_name" text NOT NULL,
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "feature_versions" (
	"feature" text NOT NULL,
	"version" integer NOT NULL,
	"value_type" text NOT NULL,
	"window" text,
	"max_age" text NOT NULL,
	"aggregation" jsonb,
	"description" text,
	"definition_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"status" text NOT NULL,
	"sunset_at" timestamp with time zone,
	CONSTRAINT "feature_versions_feature_version_pk" PRIMARY KEY("feature","version"),
	CONSTRAINT "feature_versions_definition_unique" UNIQUE("feature","definition_hash"),
	CONSTRAINT "feature_versions_status_check" CHECK ("feature_versions"."status" in ('DRAFT', 'ACTIVE', 'DEPRECATED', 'RETIRED')),
	CONSTRAINT "feature_versions_value_type_check" CHECK ("feature_versions"."value_type" in ('INT64', 'FLOAT64', 'BOOL', 'STRING', 'FLOAT64_LIST', 'STRING_LIST'))
);
--> statement-breakpoint
CREATE TABLE "features" (
	"name" text PRIMARY KEY NOT NULL,
	"entity" text NOT NULL,
	"owner" text NOT NULL,
	"latest_version" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "producer_bindings" (
	"producer" text NOT NULL,
	"feature" text NOT NULL,
	"version" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "producer_bindings_producer_feature_version_pk" PRIMARY KEY("producer","feature","version")
);
--> statement-breakpoint
CREATE TABLE "producers" (
	"name" text PRIMARY KEY NOT NULL,
	"owner" text NOT NULL,
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "consumer_bindings" ADD CONSTRAINT "consumer_bindings_consumer_consumers_name_fk" FOREIGN KEY ("consumer") REFERENCES "public"."consumers"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consumer_bindings" ADD CONSTRAINT "consumer_bindings_feature_version_feature_versions_feature_version_fk" FOREIGN KEY ("feature","version") REFERENCES "public"."feature_versions"("feature","version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feature_versions" ADD CONSTRAINT "feature_versions_feature_features_name_fk" FOREIGN KEY ("feature") REFERENCES "public"."features"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "features" ADD CONSTRAINT "features_entity_entities_name_fk" FOREIGN KEY ("entity") REFERENCES "public"."entities"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "producer_bindings" ADD CONSTRAINT "producer_bindings_producer_producers_name_fk" FOREIGN KEY ("producer") REFERENCES "public"."producers"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "producer_bindings" ADD CONSTRAINT "producer_bindings_feature_version_feature_versions_feature_version_fk" FOREIGN KEY ("feature","version") REFERENCES "public"."feature_versions"("feature","version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_target_idx" ON "audit_log" USING btree ("target");--> statement-breakpoint
CREATE INDEX "consumer_bindings_version_idx" ON "consumer_bindings" USING btree ("feature","version");--> statement-breakpoint
CREATE INDEX "producer_bindings_version_idx" ON "producer_bindings" USING btree ("feature","version");