from gozt_lint.cli import main

raise SystemExit(main())
