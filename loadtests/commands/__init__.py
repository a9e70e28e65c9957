"""``roombench``'s subcommands: one module each, every one a function of parsed options.

``loadtests/cli.py`` builds the one parser tree from them (``SUBCOMMANDS`` there);
``options.py`` holds the option groups they share; ``subcommand.py`` what each
module hands the tree. docs/cli.md is generated from the tree (``doc_table.py``).
"""
