"""The operator web page served by the gateway: the SLA board, queue depths,
dead letters with a replay button, recent notifications (see `routes`)."""
