export default function Page({ tab }: { tab?: string }) {
  return <p>{tab}</p>;
}
