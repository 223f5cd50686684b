"""What a reviewer reads: the plan in words (report, inventory), what a change deploys (diff), and the pictures
that answer who is paged, what a dashboard looks like and when an SLO alerts. Pure Python over the plan; no CDK,
no AWS."""
