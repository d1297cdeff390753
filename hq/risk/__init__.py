"""HQ's risk layer: rental histories and scores, the blacklist with appeals, risk configuration versions, decisions from branches with their outcomes, the daily job and what-if replays."""
