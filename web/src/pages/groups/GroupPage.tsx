export default function Page({ groupId }: { groupId: string }) {
  return <p>{groupId}</p>;
}
