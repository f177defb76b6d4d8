"""The inspection package for a controller (OUS-6.3, ECG-7S, ECG-9, OUS-7/OUS-8): `dpaguard evidence`.

From a stack's plan, both engines' results (CrossGuard, checkov), the stack register and the
gate's audit log, `build.collect` assembles one `Evidence`; `page` renders it as a single
self-contained HTML file for a data protection officer, `oscal` as OSCAL 1.1 assessment
results, and `access` is the access review that `dpaguard review` prints on its own.
"""
