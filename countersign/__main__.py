from countersign.cli import main

raise SystemExit(main())
