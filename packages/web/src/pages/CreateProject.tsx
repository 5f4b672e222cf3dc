import { useState, type FormEvent } from "react";
import { useApi } from "../api/context";
import { ErrorText } from "../components/common";
import { projectHref } from "../router";

export function CreateProject(props: {
  organizationId: string;
  onCreated: () => void;
}) {
  const api = useApi();
  const [name, setName] = useState("");
  const [region, setRegion] = useState("australiaeast");
  const [size, setSize] = useState("Standard_D2s_v3");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const created = await api.vmApi<{ project_id: string }>("create", {
        organization_id: props.organizationId,
        name,
        region,
        vm_size: size,
      });
      props.onCreated();
      location.hash = projectHref(created.project_id);
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} className="create">
      <h2>New project</h2>
      <label>
        Name
        <input
          required
          maxLength={100}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
      </label>
      <label>
        Region
        <input
          required
          value={region}
          onChange={(e) => setRegion(e.target.value)}
        />
      </label>
      <label>
        VM size
        <input
          required
          value={size}
          onChange={(e) => setSize(e.target.value)}
        />
      </label>
      <button type="submit" disabled={busy}>
        Create project
      </button>
      <ErrorText error={error} />
    </form>
  );
}
