// Load data for a view: the value, whether it is loading, the error message to show, and reload(). A newer load
// wins over an older one that answers late.
import { type Ref, ref, shallowRef, type WatchSource, watch } from "vue";

export interface Resource<T> {
  data: Ref<T | undefined>;
  loading: Ref<boolean>;
  error: Ref<string | null>;
  status: Ref<number | null>;
  reload(): Promise<void>;
}

export function useResource<T>(load: () => Promise<T>, sources: WatchSource[] = []): Resource<T> {
  const data = shallowRef<T | undefined>(undefined);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const status = ref<number | null>(null);
  let generation = 0;

  async function reload() {
    const mine = ++generation;
    loading.value = true;
    try {
      const value = await load();
      if (mine !== generation) return;
      data.value = value;
      error.value = null;
      status.value = null;
    } catch (cause) {
      if (mine !== generation) return;
      error.value = (cause as Error).message;
      status.value = (cause as { status?: number }).status ?? null;
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  if (sources.length > 0) watch(sources, () => void reload());
  void reload();
  return { data, loading, error, status, reload };
}
