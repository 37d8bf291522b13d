from contrefeu.cli import main

main()
