"""Reports of a case: report.json for machines, a self-contained report.html for people."""
