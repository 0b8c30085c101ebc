-- The media pipeline: the member's edit (filter, crop, focus), why
-- processing failed, whether the upload itself is still kept, and when the
-- row last changed, with the indexes the clean-up jobs read by.
ALTER TABLE media ADD COLUMN filter TEXT NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN filter_intensity INTEGER NOT NULL DEFAULT 0;
ALTER TABLE media ADD COLUMN focus TEXT NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN crop TEXT NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN error TEXT NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN has_source BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE media ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX media_unattached ON media (post_id, created_at);
CREATE INDEX media_state ON media (state, updated_at);
CREATE INDEX media_kept_source ON media (has_source, post_id);
