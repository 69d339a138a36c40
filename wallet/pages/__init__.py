"""The page shell: navigation per role, the footer's contact, and the pages every public
service publishes (privacy, cookies, accessibility, how budgets work)."""
