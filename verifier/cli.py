def main(argv=None):
    print("roughatlas: not built yet")
    return 1
