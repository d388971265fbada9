export default function Page({ jobId }: { jobId: string }) {
  return <p>{jobId}</p>;
}
