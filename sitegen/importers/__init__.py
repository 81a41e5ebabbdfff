"""`sitegen import`: pages saved from an old portal (copied plain text or saved HTML) → page bundles.

    encoding.py   bytes → text (UTF-8, Windows-1258; TCVN3/VNI, binary and unrepairable mojibake refused)
    page.py       what both readers produce: ImportedPage with paragraphs and figures
    text.py       the plain text a person gets by copying a portal article page
    html.py       a saved HTML article page (readability-lxml finds the body, markdownify converts it)
    writer.py     ImportedPage → content/<section>/<year>/<slug>/index.md, duplicates detected
    command.py    the command line: add_parser(subparsers), run(args)
"""
