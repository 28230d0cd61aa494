"""The hand-over to axes 2 and 3 (issue 10): list and inbox, proposal, the person's file
(``routes``), and the délais dashboard (``dashboard``)."""
