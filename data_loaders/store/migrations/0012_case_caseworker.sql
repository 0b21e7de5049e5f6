-- Version 12: the caseworker who follows a case (issue 17: "a due-for-follow-up list per
-- caseworker"). Who signed in and worked the case last took it, or who took it over; a
-- case opened by a round follows nobody yet. A staff member's sign-in, never a family's.

ALTER TABLE household_cases ADD COLUMN IF NOT EXISTS caseworker VARCHAR;
