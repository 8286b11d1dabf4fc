"""RedPajama-V2 quality signals as pure functions (no Spark). Filled by issue 2 of the plan."""
