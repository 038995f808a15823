"""Documents a meet prints (PDF): start lists, results, judge sheets, team scores, records."""
