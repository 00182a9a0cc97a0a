from csto_kg.cli import main

main()
