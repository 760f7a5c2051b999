"""Profile likelihood: fits, profiles, scans, intervals, goodness of fit and compatibility."""
