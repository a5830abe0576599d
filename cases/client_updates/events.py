"""Event types of the client-update path (SPEC §3b); the envelope is `cases.core.events`'.

- `ClientDataUpdated` (case aggregate): the differences, as the pure diff found them. It is the
  first event of every update, so appending it claims the case version (the update's lock).
- `PartyDetailsChanged`, `PartyRemovedFromCase` (case aggregate): a person's or owner's new
  details, or its removal. The payload carries the whole party document so that a rebuild,
  which replays each aggregate's stream on its own, lands on the same document whichever of
  the case and company streams comes first.
- `CompanyProfileChanged` (company aggregate): the profile fields old → new, and the new profile.
"""

CLIENT_DATA_UPDATED = "ClientDataUpdated"
PARTY_DETAILS_CHANGED = "PartyDetailsChanged"
PARTY_REMOVED_FROM_CASE = "PartyRemovedFromCase"
COMPANY_PROFILE_CHANGED = "CompanyProfileChanged"

# Party kinds in the payloads above.
PERSON = "PERSON"
OWNER = "OWNER"

REMOVED_REASON = "no longer in the client data (client update)"
# Approval must be given on current data (SPEC §3b): a pending proposal goes back to review.
RETURN_REASON = "client data changed"
