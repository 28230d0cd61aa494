"""The hand-over of a job seeker to the Conseil départemental: axe 2 (accompagnement global)
and axe 3 (accompagnement social exclusif) of the national protocol.

A pure domain: records (``models``), the status table (``transitions``), who sees what
(``access``), the store interface (``repository``) and the operations (``services``). No Flask,
no SQLAlchemy: ``persistence.handovers`` stores it, ``web`` and ``api`` show it.
"""
