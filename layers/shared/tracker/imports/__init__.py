"""Bringing existing cases in from a spreadsheet (issue 22): bytes in, rows and problems out.

Shared by ``scrt import`` (the local stack's command, which talks to any stage's API) and the web
app's import page. Nothing here writes or calls anything: ``reading`` turns a file's bytes into a
table (refusing what is too large or unsafe), ``rows`` turns the table into case documents and the
problems found in reading them, ``template`` writes the file to fill in, ``report`` writes each
row's outcome back in the file's own format. The columns come from the field catalogue
(``tracker.models.fields``), so the template changes when a field does. openpyxl is imported inside
the functions that read or write ``.xlsx``: the web app's other pages never load it.
"""
