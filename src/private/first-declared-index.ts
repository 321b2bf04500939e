import { IConstruct } from 'constructs';

/**
 * The first construct declared under each key in each app, for uniqueness checks: a construct
 * that is not the first of its key is a duplicate. Recording at construction makes the check
 * constant time, where searching the construct tree from every construct is quadratic.
 */
export class FirstDeclaredIndex<T extends IConstruct> {
  private readonly byApp = new WeakMap<IConstruct, Map<string, T>>();

  /** Records `construct` under `key` unless an earlier construct of its app holds the key. */
  public declare(construct: T, key: string): void {
    const app = construct.node.root;
    let firsts = this.byApp.get(app);
    if (!firsts) {
      firsts = new Map();
      this.byApp.set(app, firsts);
    }
    if (!firsts.has(key)) {
      firsts.set(key, construct);
    }
  }

  /** The first construct declared under `key` in the app of `scope`. */
  public firstDeclared(scope: IConstruct, key: string): T | undefined {
    return this.byApp.get(scope.node.root)?.get(key);
  }
}
